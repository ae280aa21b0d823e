"""Voice models: the RVC synthesizer family, the VoiceModel format, retrieval indexes."""
