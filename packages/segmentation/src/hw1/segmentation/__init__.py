"""hw1-segmentation: Satellite land-cover segmentation: official mask codec and mIoU, FCN32s/DeepLabV3/smp models, training, streaming prediction, SAM"""

__version__ = "0.1.0"
