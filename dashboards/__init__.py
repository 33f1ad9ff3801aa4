"""Plotly dashboards built only from result files into self-contained offline HTML pages."""
