"""Load benchmarks: drive the real Streamlit server over its websocket like browsers do."""
