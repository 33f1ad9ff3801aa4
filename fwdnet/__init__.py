"""fwdnet: routing and warehouse-network simulator for retail chains (CDC → FW → stores).

One import root. The subpackages are the repository's top-level folders (`logistics`,
`simulation`, `scenarios`, `dashboards`), linked here so the repo keeps the design card's layout.
"""

__version__ = "0.2.0"
