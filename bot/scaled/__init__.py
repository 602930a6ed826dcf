"""`make run-scaled`: the scaled-out topology rehearsed on one machine (see README)."""
