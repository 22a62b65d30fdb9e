"""Figures the book shows, one module per subject.

- ``graphs``: computation graphs drawn from a trace, trace tables, animations of the
  forward and reverse passes, the reverse loop over a tape and its adjoint vector, and
  a network's tensor nodes with their values and adjoints.
- ``networks``: a neuron and a network drawn with their weights, digits beside their scores.
- ``gradients``: the gradient as the steepest ascent, directional derivatives.
- ``training``: training curves, descent paths (of one optimiser or several), comparisons
  of runs (the accuracy study, test error against the size of the training set).
- ``digits``: grids of digits, the confusion matrix, class counts, pixel statistics,
  first-layer weights, elastic distortions, preparing your own handwriting.
- ``performance``: training throughput against batch size.

Every figure is imported here, so the book calls ``ppn.plots.<name>`` whatever its module.
``ppn/__init__.py`` does not import this package, so ``import ppn`` does not load matplotlib.
"""

from .digits import (
    digit_confidence_grid,
    digit_grid,
    plot_class_counts,
    plot_confusion_matrix,
    plot_digit_preparation,
    plot_digit_variants,
    plot_elastic_distortions,
    plot_feature_maps,
    plot_first_layer_weights,
    plot_pixel_statistics,
    plot_reading_accuracy,
)
from .gradients import draw_directional_derivatives, draw_gradient_field
from .graphs import (
    DERIVATIVES,
    Edge,
    TensorNode,
    animate_reverse_loop,
    animate_tensor_graph,
    animate_trace,
    draw_adjoint_vector,
    draw_computation_graph,
    draw_tensor_graph,
    graph_edges,
    graph_layout,
    pass_order,
    tensor_pass_frames,
    tensor_trace,
    trace_table,
)
from .networks import (
    NetworkLayout,
    digit_scores_grid,
    draw_digit_scores,
    draw_network,
    draw_neuron,
    network_layout,
)
from .performance import plot_throughput
from .training import (
    animate_descent_paths,
    animate_history,
    draw_descent_path,
    draw_history,
    plot_accuracy_study,
    plot_descent_paths,
    plot_error_by_training_size,
    plot_history,
    plot_runs_by_step,
)

__all__ = [
    "DERIVATIVES",
    "Edge",
    "NetworkLayout",
    "TensorNode",
    "animate_descent_paths",
    "animate_history",
    "animate_reverse_loop",
    "animate_tensor_graph",
    "animate_trace",
    "digit_confidence_grid",
    "digit_grid",
    "digit_scores_grid",
    "draw_adjoint_vector",
    "draw_computation_graph",
    "draw_descent_path",
    "draw_digit_scores",
    "draw_directional_derivatives",
    "draw_gradient_field",
    "draw_history",
    "draw_network",
    "draw_neuron",
    "draw_tensor_graph",
    "graph_edges",
    "graph_layout",
    "network_layout",
    "pass_order",
    "plot_accuracy_study",
    "plot_class_counts",
    "plot_confusion_matrix",
    "plot_descent_paths",
    "plot_digit_preparation",
    "plot_digit_variants",
    "plot_elastic_distortions",
    "plot_error_by_training_size",
    "plot_feature_maps",
    "plot_first_layer_weights",
    "plot_history",
    "plot_pixel_statistics",
    "plot_reading_accuracy",
    "plot_runs_by_step",
    "plot_throughput",
    "tensor_pass_frames",
    "tensor_trace",
    "trace_table",
]
