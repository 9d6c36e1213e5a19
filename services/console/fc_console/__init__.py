"""The district console (区级工作台): serves the web front end, owns sign-in, routes /api/<service>/… ."""
