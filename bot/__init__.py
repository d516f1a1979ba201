"""The faces people talk to: the terminal CLI and the Discord bot."""
