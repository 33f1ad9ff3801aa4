"""logistics.network"""
