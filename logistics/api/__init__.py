"""logistics.api"""
