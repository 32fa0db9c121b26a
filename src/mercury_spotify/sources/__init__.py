"""Where listening data comes from: Spotify's privacy export and the Spotify Web API."""
