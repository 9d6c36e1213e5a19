"""Development and test tooling of the Future Community platform; never a runtime dependency of a service."""
