"""logistics.design"""
