"""Rollups: the pre-counted cells every uptake metric reads, in one package.

* ``measures`` decides what is counted: each measure's exact definition, one day range at
  a time, from the analytics tables (these are counted *measures*; "facts" means only the
  profile facts the guidance core extracts from what owners say).
* ``periods`` tiles a date range with days, ISO weeks and four-week blocks.
* ``maintain`` writes the cells for changed days; ``refresh`` decides which days changed
  and keeps the state; ``cells`` reads sums of cells; ``ranking`` reads top questions.

The tables themselves are in bot/storage/rollups.py.
"""
