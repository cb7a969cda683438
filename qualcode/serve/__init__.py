"""``qualcode serve``: the project's review for a team's browsers (accounts, review pages)."""
