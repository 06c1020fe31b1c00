"""Recent papers' claims about margins under other training rules (THEOREMS.md §4): CONJ-SD, CONJ-SGD, CONJ-NH."""
