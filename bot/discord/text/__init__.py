"""Everything the bot says, as pure functions: `answers.py` (an answer as embeds), `status.py`
(refusals, progress, errors), `feeds.py` (the /feeds replies) and `safe.py`, which every piece
of article text passes through (no pings, no Markdown, within Discord's limits)."""
