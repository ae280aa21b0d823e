"""Training: LightningModule, datamodule, losses, callbacks, export."""
