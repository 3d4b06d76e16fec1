"""Per-customer state for the fleet overview and the customer screen: the roll-up kept current
as results arrive (``rollup``), and who may see which customer and which sensitive categories
(``access``)."""
