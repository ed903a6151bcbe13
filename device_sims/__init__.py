"""Simulated vendor devices: every device a real MQTT client speaking its firmware protocol
through ``firmware_protocols``."""
