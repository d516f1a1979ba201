"""Building the index: scan, compare, embed, write segments, merge, commit."""
