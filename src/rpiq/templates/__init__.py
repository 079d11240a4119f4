"""Template layer: one builder per PS3.16 TID, turning domain facts into content trees."""
