"""Fraud and anomaly flags: pure rules over sessions and station events, the agent and consumer that run them."""
