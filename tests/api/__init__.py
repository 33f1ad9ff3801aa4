"""Tests of logistics.api (the HTTP service), fwdnet serve and fwdnet keys."""
