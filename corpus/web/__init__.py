"""Articles from the web: fetching pages politely, following RSS/Atom feeds.

Nothing here touches the index. `pages` and `updating` hand back the article files to store
(name and bytes); the caller writes them through `newsbot.corpus.edits.corpus_edit` and rebuilds, so a
fetched article enters the corpus and the index together or not at all, as a copied file does.
"""
