"""The Discord face: `run.py` starts it, `app.py` is the bot (events, the index and model
loaded off the event loop), `commands.py` and `feeds.py` its slash commands, `reindex.py`
rebuilds, `conversations.py` keeps each person's follow-ups, `input.py` reads a mention,
`views.py` pages answers, `log_lines.py` its log; `text/` holds every word it sends."""
