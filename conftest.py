pytest_plugins = ["fc_shared.testing"]
