"""Online dialogues: contributions, comments, ratings, moderation, results."""
