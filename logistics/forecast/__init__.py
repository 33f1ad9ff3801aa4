"""logistics.forecast"""
