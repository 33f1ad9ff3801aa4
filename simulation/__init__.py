"""SimPy replay of demand through network designs: engine, KPIs, replications and sweeps."""
