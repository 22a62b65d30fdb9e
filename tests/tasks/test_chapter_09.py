"""Chapter 9's task: one step of SGD with weight decay, θ ← θ − η·(∇C + λθ)."""

import numpy as np
from task_tools import Parameter

from ppn import optim


class TestTask9_1:
    """SGD._update: θ ← θ − η·(∇C + λθ), in place."""

    def test_one_step(self):
        p = Parameter([1.0, -2.0, 3.0])
        p.grad = np.array([0.5, 0.5, -1.0])
        before = p.data
        optim.SGD([p], lr=0.1).step()
        assert not np.array_equal(p.data, [1.0, -2.0, 3.0]), (
            "θ did not change: update it in place (theta -= …); a new array bound to the name "
            "theta is lost when _update returns"
        )
        np.testing.assert_allclose(p.data, [0.95, -2.05, 3.1], err_msg="θ − η·∇C")
        assert p.data is before, "update θ in place (theta -= …): the model holds that array"

    def test_the_gradient_is_left_as_it_is(self):
        p = Parameter([1.0, -2.0])
        p.grad = np.array([0.5, 1.0])
        optim.SGD([p], lr=0.5, weight_decay=0.1).step()
        np.testing.assert_array_equal(p.grad, [0.5, 1.0], (
            "leave the gradient as it is (add λθ in a scratch array, not into gradient): "
            "the model's .grad must still hold ∇C after the step"))  # fmt: skip

    def test_weight_decay(self):
        p = Parameter([1.0, -2.0])
        p.grad = np.array([0.0, 1.0])
        optim.SGD([p], lr=0.5, weight_decay=0.1).step()
        np.testing.assert_allclose(p.data, [0.95, -2.4], err_msg="θ − η·(∇C + λθ)")

    def test_the_current_learning_rate_and_dtype(self):
        p = Parameter([1.0])
        p.data = p.data.astype(np.float32)
        p.grad = np.array([1.0], dtype=np.float32)
        sgd = optim.SGD([p], lr=0.1)
        sgd.step()
        sgd.lr = 0.5  # what a schedule does between epochs
        sgd.step()
        np.testing.assert_allclose(p.data, [0.4], rtol=1e-6, err_msg="use self.lr at each step")
        assert p.data.dtype == np.float32, "a float32 parameter stays float32"
