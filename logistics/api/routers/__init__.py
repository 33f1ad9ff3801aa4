"""One router per resource: routes, route jobs, waybills, operations."""
