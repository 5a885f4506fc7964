"""Knowledge distillation: a smaller student network learns from the trained (teacher) network's softened outputs.

The student is the teacher's graph with its widths shrunk (filters, units, recurrent sizes and feed-forward sizes:
each layer type's `LayerSpec.compression.width`, scaled by ``1 - amount``), or a graph the user drew with the same
input and output. Classification students learn ``T² · KL(softmax(teacher / T) || softmax(student / T))`` mixed
with the ordinary loss on the labels; regression students learn the mean squared distance to the teacher's outputs
mixed with the ordinary loss.
`distilled_candidate` makes the trained student's variant.
"""

from __future__ import annotations

import copy

from workbench.core.build import InvalidGraphError, build_module
from workbench.core.compression.candidate import Candidate, Progress, finetune_epochs, fp32_model, param_count
from workbench.core.compression.errors import CompressionError
from workbench.core.compression.finetune import finetune, finetune_settings
from workbench.core.graph.model import Graph
from workbench.core.graph.validate import validate
from workbench.core.training.objective import objective_for

TEMPERATURE = 4.0
SOFT_WEIGHT = 0.7  # share of the loss that comes from the teacher


def shrunk_graph(graph: Graph, amount: float) -> Graph:
    """The teacher's graph with every width multiplied by (1 - amount) (at least 1)."""
    if not 0.0 < amount < 1.0:
        raise CompressionError(f"The share to shrink by must be between 0 and 1 (got {amount:g}); 0.5 halves every "
                               "layer's width.")
    student = graph.copy()
    changed = False
    for nid, node in student.nodes.items():
        key = node.spec.compression.width
        if key is None:
            continue
        width = node.params[key]
        smaller = max(1, int(round(width * (1.0 - amount))))
        if smaller != width:
            student.set_params(nid, {key: smaller})
            changed = True
    if not changed:
        raise CompressionError("This network has no layer whose width could be shrunk for a student. Draw a "
                               "smaller student network and distill into it instead.")
    check = validate(student)
    if not check.ok:
        raise CompressionError("The shrunk student is not a valid network: " + check.errors[0].message +
                               " Draw a student network yourself instead.")
    return student


def check_student(teacher, student_graph: Graph):
    """Builds the student and checks that it takes the teacher's input and gives the teacher's output."""

    try:
        student = build_module(student_graph)
    except InvalidGraphError as exc:
        raise CompressionError(f"The student network is not valid. {exc}") from None
    if [i.shape for i in student.input_infos] != [i.shape for i in teacher.input_infos] or \
            [i.dtype for i in student.input_infos] != [i.dtype for i in teacher.input_infos]:
        raise CompressionError("The student network must take the same input as the trained network "
                               f"({', '.join(str(i) for i in teacher.input_infos)}).")
    if [o.shape for o in student.output_infos] != [o.shape for o in teacher.output_infos]:
        raise CompressionError("The student network must give the same output as the trained network "
                               f"({', '.join(str(o) for o in teacher.output_infos)}).")
    return student


def distillation_loss(teacher, objective, task: str, temperature: float = TEMPERATURE,
                      soft_weight: float = SOFT_WEIGHT):
    """A `Trainer` loss_fn(outputs, targets, inputs) mixing the teacher's soft targets with the labels' loss."""
    import torch  # lazy
    import torch.nn.functional as F  # lazy

    teacher.eval()
    for p in teacher.parameters():
        p.requires_grad_(False)

    def loss_fn(outputs, targets, inputs):
        if next(teacher.parameters()).device != inputs.device:
            teacher.to(inputs.device)
        with torch.no_grad():
            guide = teacher(inputs).float()
        hard = objective.loss(outputs, targets)
        if task == "classification":
            soft = F.kl_div(F.log_softmax(outputs.float() / temperature, dim=1),
                            F.softmax(guide / temperature, dim=1), reduction="batchmean") * temperature ** 2
        elif task == "multilabel":  # the teacher's probability of each label as a soft target
            soft = F.binary_cross_entropy_with_logits(outputs.float(), torch.sigmoid(guide))
        else:
            soft = F.mse_loss(outputs.float(), guide)
        return soft_weight * soft + (1.0 - soft_weight) * hard

    return loss_fn


def distilled_candidate(method, tm, amount: float, epochs: int | None, student_graph, progress: Progress,
                        threads: int) -> Candidate:
    """A student (`student_graph`, or the teacher's graph with every width x(1 - amount)) trained on the teacher."""
    graph = student_graph if student_graph is not None else shrunk_graph(tm.graph, amount)
    student = check_student(tm.module, graph)
    objective = objective_for(student, tm.dataset, graph)
    settings = finetune_settings(tm.settings, finetune_epochs(epochs, tm.settings.epochs))
    teacher = copy.deepcopy(tm.module)
    finetune(student, tm.dataset, graph, settings, progress, (0.05, 0.6), "Training the student",
             loss_fn=distillation_loss(teacher, objective, tm.task), threads=threads)
    ratio = param_count(student) / max(1, param_count(tm.module))
    how = "a network you drew" if student_graph is not None else f"the network with every width x{1 - amount:g}"
    notes = (f"Student: {how}, {100 * ratio:.0f}% of the teacher's parameters, trained on the teacher's softened "
             "outputs and the labels.")
    return Candidate("", method.name, None if student_graph is not None else amount, fp32_model(student, graph),
                     graph, student, notes, [], own_graph=True)
