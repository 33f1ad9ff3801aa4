"""logistics.tracking"""
