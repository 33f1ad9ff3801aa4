"""The FastAPI service (routes, route jobs, waybill tracking) behind `fwdnet serve`.

`logistics.api.main.create_app(settings)` builds the app; the contract is in docs/api.md.
"""
