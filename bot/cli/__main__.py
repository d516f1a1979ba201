"""`python -m newsbot.bot.cli`: the `newsbot` command without its installed script."""

from newsbot.bot.cli import main

main()
