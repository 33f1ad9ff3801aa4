"""fwdnet's domain and solvers: network model, geo, routing, design, forecasting, inventory,
tracking and the HTTP API. Imports nothing else of fwdnet's (see tests/test_architecture.py)."""
