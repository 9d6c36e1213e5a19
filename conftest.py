pytest_plugins = ["fc_devtools.testing"]
