// Replaced as file connectors are added.
