"""Network design: location MIP, stock placement, rebalancing, two-echelon plans."""
