"""Colours the figures of several modules share: the boxes and circles of inputs and nodes."""

_INPUT_COLOUR = "#dbe9f6"
_NODE_COLOUR = "#f4f4f4"
