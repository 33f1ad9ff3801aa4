"""logistics.routing"""
