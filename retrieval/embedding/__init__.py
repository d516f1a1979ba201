"""Text to vectors: the model interface, the models behind it, and which one runs."""
