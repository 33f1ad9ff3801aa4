"""Demand forecasting on long tables (`unique_id, ds, y` + features).

Baselines and ETS/Theta/Croston come from statsforecast, the global model is LightGBM through
mlforecast; this package validates input, builds features, backtests on rolling origins, scores
WAPE/MASE/bias per hierarchy level, forecasts new items from category profiles and
reconciles bottom-up. Heavy libraries are imported inside functions.
"""
