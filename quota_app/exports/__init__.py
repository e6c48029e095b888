"""Campaign exports to Excel: offers with their fill, the AMCI nomination list, statistics."""
