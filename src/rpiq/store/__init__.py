"""Storage layer: the repository interface and its SQL implementation."""
