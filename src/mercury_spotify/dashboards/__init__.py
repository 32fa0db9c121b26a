"""The built-in dashboards: one definition (``catalog``) and a Streamlit renderer (``app``)."""
