"""Async use cases shared by the window and the command line. Plain asyncio, no Qt."""
