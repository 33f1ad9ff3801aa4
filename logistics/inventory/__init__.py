"""logistics.inventory"""
