"""Question to answer: rank, decide, present, and the numbers that judge it."""
