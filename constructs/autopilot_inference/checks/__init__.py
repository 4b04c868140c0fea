"""How props are checked and how their problems are reported (error annotations on the construct)."""
