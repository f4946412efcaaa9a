"""The checks toolkit against correct answers (must pass) and classic mistakes (must fail, naming the mistake)."""
import numpy as np
import pytest

from dlcourse import checks


def fails_with(*fragments):
    """Context manager: the block raises CheckFailure whose message contains every fragment."""
    class _Expect:
        def __enter__(self):
            self.raises = pytest.raises(checks.CheckFailure)
            self.info = self.raises.__enter__()
            return self.info

        def __exit__(self, *exc):
            handled = self.raises.__exit__(*exc)
            for fragment in fragments:
                assert fragment in str(self.info.value), f"{fragment!r} not in:\n{self.info.value}"
            return handled
    return _Expect()


# --- expect_close: scalars -------------------------------------------------------------------------

@pytest.mark.parametrize("value", [0.25, np.float64(0.25), np.array(0.25), np.float32(0.25), 1 / 4])
def test_scalar_accepts_every_spelling_of_a_number(value):
    checks.expect_close(value, 0.25, "cost")


def test_scalar_rejects_a_1x1_array_and_says_how_to_fix_it():
    with fails_with("cost is wrong", "shape (1, 1)", "float(...)"):
        checks.expect_close(np.array([[0.25]]), 0.25, "cost")


def test_scalar_rejects_bool_and_strings():
    with fails_with("got:      bool"):
        checks.expect_close(True, 1.0, "flag")
    with fails_with("got:      str"):
        checks.expect_close("0.25", 0.25, "cost")


def test_scalar_forgot_one_over_m():
    with fails_with("m = 5 times too large", "1/m"):
        checks.expect_close(2.0, 0.4, "cost", m=5)


def test_scalar_divided_by_m_twice():
    with fails_with("m = 5 times too small"):
        checks.expect_close(0.08, 0.4, "cost", m=5)


def test_scalar_named_mistake_and_no_meaningless_factor_hint():
    with fails_with("the mean") as info:
        checks.expect_close(0.22, 1.1, "L1", mistakes={"this is the mean": 0.22})
    with fails_with("expected: 1.1") as info:
        checks.expect_close(0.3, 1.1, "L1")
    assert "Hint" not in str(info.value)


# --- expect_close: arrays --------------------------------------------------------------------------

def test_array_accepts_int_and_bool_values_of_the_right_shape():
    checks.expect_close(np.array([[1, 0, 1]]), [[1.0, 0.0, 1.0]], "predictions")
    checks.expect_close(np.array([[True, False, True]]), [[1.0, 0.0, 1.0]], "predictions")


def test_array_within_tolerance_passes_and_outside_fails():
    expected = np.array([1.0, 2.0, 3.0])
    checks.expect_close(expected * (1 + 1e-8), expected, "x")
    with fails_with("largest error 0.001 relative to the largest expected value"):
        checks.expect_close(expected * 1.001, expected, "x")
    with fails_with("largest absolute error 0.5"):
        checks.expect_close(np.array([0.5, 0.0]), [0.0, 0.0], "x")


def test_array_rank_1_instead_of_column():
    with fails_with("rank-1 array of shape (3,)", "column vector of shape (3, 1)", "keepdims=True"):
        checks.expect_close(np.ones(3), np.ones((3, 1)), "dw")


def test_array_rank_1_instead_of_row():
    with fails_with("rank-1 array", "row vector of shape (1, 4)"):
        checks.expect_close(np.ones(4), np.ones((1, 4)), "A")


def test_array_transposed_shape():
    with fails_with("shape is transposed"):
        checks.expect_close(np.ones((2, 3)), np.ones((3, 2)), "W")


def test_array_transposed_values_of_a_square_matrix():
    a = np.arange(4.0).reshape(2, 2) + 1
    with fails_with("transpose of the expected"):
        checks.expect_close(a.T, a, "W")


def test_array_summed_over_the_wrong_axis():
    x = np.arange(6.0).reshape(2, 3)
    with fails_with("reduced (summed or averaged) over axis 0 instead of axis 1", "wrong axis"):
        checks.expect_close(x.sum(axis=0, keepdims=True), x.sum(axis=1, keepdims=True), "db")


def test_array_missing_reduction():
    with fails_with("sum or mean over axis=1"):
        checks.expect_close(np.ones((3, 5)), np.ones((3, 1)), "db")


def test_array_sign_flipped():
    with fails_with("sign is flipped"):
        checks.expect_close(-np.array([0.5, -1.0, 2.0]), [0.5, -1.0, 2.0], "dZ")


def test_array_forgot_one_over_m():
    grad = np.array([[0.1], [-0.3]])
    with fails_with("m = 4 times too large", "1/m"):
        checks.expect_close(grad * 4, grad, "dw", m=4)


def test_array_constant_factor():
    with fails_with("2 times the expected"):
        checks.expect_close(np.array([2.0, 4.0]), [1.0, 2.0], "x")


def test_array_constant_offset_names_the_bias():
    with fails_with("off by the same amount", "bias"):
        checks.expect_close(np.array([1.5, 2.5, -0.5]), [1.0, 2.0, -1.0], "Z")


def test_array_nan_is_named():
    with fails_with("NaN"):
        checks.expect_close(np.array([np.nan, 1.0]), [0.5, 1.0], "A")


def test_array_named_mistake_wins():
    with fails_with("columns instead of rows"):
        checks.expect_close(np.array([0.1, 0.2]), [0.3, 0.4], "x", mistakes={"columns instead of rows": [0.1, 0.2]})


def test_array_list_and_wrong_types_are_rejected():
    with fails_with("not a Python list"):
        checks.expect_close([1.0, 2.0], [1.0, 2.0], "x")
    with fails_with("should hold numbers"):
        checks.expect_close(np.array(["a", "b"]), [1.0, 2.0], "x")


# --- shapes, keys, properties ----------------------------------------------------------------------

def test_expect_shape():
    checks.expect_shape(np.zeros((4, 1)), (4, 1), "w")
    with fails_with("rank-1"):
        checks.expect_shape(np.zeros(4), (4, 1), "w")
    with fails_with("a NumPy array of shape (4, 1)"):
        checks.expect_shape([0, 0, 0, 0], (4, 1), "w")


def test_expect_keys():
    checks.expect_keys({"dw": 1, "db": 2}, ["dw", "db"], "grads")
    with fails_with("missing ['db']"):
        checks.expect_keys({"dw": 1}, ["dw", "db"], "grads")
    with fails_with("unexpected ['extra']"):
        checks.expect_keys({"dw": 1, "db": 2, "extra": 3}, ["dw", "db"], "grads")


def test_expect_true():
    checks.expect_true(np.all(np.array([0.2, 0.7]) < 1), "probabilities below 1")
    with fails_with("costs must decrease"):
        checks.expect_true(False, "costs must decrease")


# --- gradient checking -----------------------------------------------------------------------------

def _cost(w, x, y):
    """Mean squared error of a linear model, a scalar function of w."""
    return float(np.mean((w.T @ x - y) ** 2))


def _data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(3, 1)), rng.normal(size=(3, 8)), rng.normal(size=(1, 8))


def test_numerical_gradient_matches_a_known_derivative_and_leaves_x_alone():
    x = np.array([[0.5, -1.0], [2.0, 0.0]])
    before = x.copy()
    grad = checks.numerical_gradient(lambda v: float(np.sum(v ** 3)), x)
    np.testing.assert_allclose(grad, 3 * before ** 2, rtol=1e-6, atol=1e-8)
    np.testing.assert_array_equal(x, before)


def test_gradient_check_accepts_the_right_gradient():
    w, x, y = _data()
    right = 2 / x.shape[1] * x @ (w.T @ x - y).T
    checks.expect_gradient(right, lambda v: _cost(v, x, y), w, "dw")


def test_gradient_check_names_forgotten_one_over_m():
    w, x, y = _data()
    forgot = 2 * x @ (w.T @ x - y).T
    with fails_with("gradient check", "m = 8 times too large"):
        checks.expect_gradient(forgot, lambda v: _cost(v, x, y), w, "dw", m=8)


def test_gradient_check_names_sign_and_shape_mistakes():
    w, x, y = _data()
    right = 2 / x.shape[1] * x @ (w.T @ x - y).T
    with fails_with("sign is flipped"):
        checks.expect_gradient(-right, lambda v: _cost(v, x, y), w, "dw")
    with fails_with("shape is transposed"):
        checks.expect_gradient(right.T, lambda v: _cost(v, x, y), w, "dw")
    with fails_with("rank-1"):
        checks.expect_gradient(right.ravel(), lambda v: _cost(v, x, y), w, "dw")


# --- arguments left unchanged ----------------------------------------------------------------------

def test_call_unchanged_returns_the_result_of_a_clean_function():
    x = np.array([[3.0, 4.0]])
    assert checks.call_unchanged(lambda a: a / 5, x).tolist() == [[0.6, 0.8]]


def test_call_unchanged_catches_in_place_array_update():
    def normalize_in_place(a):
        a /= 5
        return a
    with fails_with("changed its argument 1 in place", "copy"):
        checks.call_unchanged(normalize_in_place, np.array([3.0, 4.0]))


def test_call_unchanged_catches_dict_and_keyword_updates():
    def update(params, grads):
        params["W"] -= grads["dW"]
        return params
    params = {"W": np.ones((2, 2))}
    with fails_with("argument 1"):
        checks.call_unchanged(update, params, {"dW": np.ones((2, 2))})
    with fails_with("argument 'grads'"):
        checks.call_unchanged(lambda params, grads: grads.pop("dW"), {"W": 1}, grads={"dW": np.ones(2)})


# --- stand-ins and substitution --------------------------------------------------------------------

def test_recorded_stand_in_answers_known_calls_only():
    stand_in = checks.recorded("sigmoid", [((np.array([0.0]),), np.array([0.5]))])
    assert stand_in(np.array([0.0])).tolist() == [0.5]
    with fails_with("stand-in", "sigmoid"):
        stand_in(np.array([1.0]))


def test_substituted_restores_the_namespace():
    namespace = {"sigmoid": "student's"}
    with checks.substituted(namespace, sigmoid="reference", extra="new"):
        assert namespace == {"sigmoid": "reference", "extra": "new"}
    assert namespace == {"sigmoid": "student's"}


def test_testing_prints_one_line_on_success(capsys):
    with checks.testing("sigmoid"):
        checks.expect_close(0.5, 0.5, "sigmoid(0)")
        checks.expect_true(True, "x")
    assert capsys.readouterr().out == "\u2714 sigmoid: all 2 checks passed.\n"


def test_testing_propagates_a_failure_without_the_success_line(capsys):
    with pytest.raises(checks.CheckFailure):
        with checks.testing("sigmoid"):
            checks.expect_close(0.4, 0.5, "sigmoid(0)")
    assert capsys.readouterr().out == ""


def test_checks_do_not_trust_names_a_notebook_can_rebind(monkeypatch):
    monkeypatch.setattr(np, "allclose", lambda *a, **k: True)
    monkeypatch.setattr(np, "abs", lambda x: x * 0)
    with fails_with("is wrong"):
        checks.expect_close(np.array([9.0]), [1.0], "x")


def test_recorded_with_a_signature_matches_positional_and_keyword_calls():
    def optimize(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
        """The contract's signature only."""
    w, X = np.zeros((2, 1)), np.ones((2, 3))
    stand_in = checks.recorded("optimize", [({"w": w, "b": 0.0, "X": X, "num_iterations": 5}, "params")], like=optimize)
    assert stand_in(w, 0.0, X, None, 5) == "params"
    assert stand_in(w, b=0, X=X, Y=None, num_iterations=5, print_cost=True) == "params"
    with fails_with("stand-in", "num_iterations=number 6", "check what you pass to optimize"):
        stand_in(w, 0.0, X, None, num_iterations=6)
    with fails_with("do not fit its signature"):
        stand_in(w, 0.0, X, None, 5, 0.1, False, "extra")


def test_a_wrong_call_to_a_stand_in_is_shown_by_parameter_name_and_what_differs():
    def optimize(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
        """The contract's signature only."""
    w, X = np.zeros((2, 1)), np.ones((2, 3))
    stand_in = checks.recorded("optimize", [({"w": w, "b": 0.0, "X": X, "num_iterations": 42, "learning_rate": 0.25},
                                             "params")], like=optimize)
    with fails_with("called with other arguments: w=array of shape (2, 1)", "num_iterations=number 0.25",
                    "learning_rate=number 42", "num_iterations and learning_rate are swapped "
                    "(this test passes num_iterations=number 42, learning_rate=number 0.25)"):
        stand_in(w, 0.0, X, None, 0.25, 42)
    with fails_with("num_iterations is number 100 where this test passes number 42; "
                    "learning_rate is number 0.009 where this test passes number 0.25"):
        stand_in(w, 0.0, X, None)
    with fails_with("X holds other values than this test passes"):
        stand_in(w, 0.0, X * 2, None, 42, 0.25)


def test_a_matrix_is_previewed_row_under_row():
    with pytest.raises(checks.CheckFailure) as failure:
        checks.expect_close(np.array([[1.0, -2.5], [30.0, 4.0]]), [[1.0, 2.0], [3.0, 4.0]], "M")
    assert "  expected: [[1, 2],\n             [3, 4]]" in str(failure.value)
    assert "  got:      [[ 1, -2.5],\n             [30,    4]]" in str(failure.value)
    with pytest.raises(checks.CheckFailure) as failure:  # a long column: its first rows and how many there are
        checks.expect_close(np.arange(6.0).reshape(6, 1), np.zeros((6, 1)), "column")
    assert "  got:      [[0],\n             [1],\n             [2],\n             [3],\n             ... (6 rows)]" \
        in str(failure.value)
    with pytest.raises(checks.CheckFailure, match=r"expected: \[1, 2\]"):  # one dimension: one line, as before
        checks.expect_close(np.array([1.0, 3.0]), [1.0, 2.0], "v")


def test_recorded_fails_when_called_more_often_than_allowed():
    stand_in = checks.recorded("update_parameters", [(("p",), "q")], at_most=2)
    assert stand_in("p") == "q" and stand_in("p") == "q"
    with fails_with("update_parameters was called more than 2 times", "how many times your loop runs"):
        stand_in("p")
    once = checks.recorded("forward_propagation", [(("x",), "y")], at_most=1)
    assert once("x") == "y"
    with fails_with("more than 1 time:"):
        once("x")
    unlimited = checks.recorded("compute_cost", [(("a",), 0.5)])
    assert [unlimited("a") for _ in range(50)] == [0.5] * 50


def test_watched_passes_calls_through_and_logs_them_as_they_were():
    def update(params, grads, learning_rate=0.1):
        """Returns a new dict."""
        return {"W": params["W"] - learning_rate * grads["dW"]}
    spy = checks.watched(update)
    params = {"W": np.ones(2)}
    result = spy(params, {"dW": np.ones(2)})
    assert result["W"].tolist() == [0.9, 0.9] and spy.__name__ == "update"
    spy(params, grads={"dW": np.zeros(2)}, learning_rate=0.5)
    params["W"][0] = 7.0  # a later change does not rewrite the log
    assert len(spy.calls) == 2
    assert [call["learning_rate"] for call in spy.calls] == [0.1, 0.5]
    assert spy.calls[0]["params"]["W"].tolist() == [1.0, 1.0]


def test_watched_binds_to_a_given_signature_and_rejects_calls_that_do_not_fit():
    stand_in = checks.recorded("linear_backward", [({"cache": "c1"}, "result")], like=lambda dZ, cache: None)
    spy = checks.watched(stand_in, like=lambda dZ, cache: None)
    assert spy(np.zeros(3), cache="c1") == "result"
    assert spy.calls[0]["cache"] == "c1" and spy.calls[0]["dZ"].shape == (3,)
    with fails_with("do not fit its signature"):
        spy(np.zeros(3), "c1", "extra")
    with fails_with("stand-in", "linear_backward"):
        spy(np.zeros(3), "c2")
    assert [call["cache"] for call in spy.calls] == ["c1", "c2"]



def test_rerun_answer_finds_the_answer_cell_and_runs_it_on_other_data():
    history = ["", "import numpy as np", "m = data.shape[0]\nn = data.shape[1]", "print(m, n)", "checks.m = 3"]
    assert checks.rerun_answer(["m", "n"], {"data": np.zeros((4, 7))}, history) == {"m": 4, "n": 7}


def test_rerun_answer_exposes_typed_in_sizes_and_missing_answers():
    typed_in = ["m = 209\nn = 64"]
    assert checks.rerun_answer(["m", "n"], {"data": np.zeros((4, 7))}, typed_in) == {"m": 209, "n": 64}
    with fails_with("no cell you ran defines m, n"):
        checks.rerun_answer(["m", "n"], {"data": np.zeros((4, 7)), "n": 7}, ["m = data.shape[0]", "print(m, n)"])


# --- errors raised by the student's code while the checks run (checks.testing translates them) ---

def _failure_of(function, *args):
    with pytest.raises(checks.CheckFailure) as failure:
        with checks.testing("the function"):
            function(*args)
    return str(failure.value)


def test_broadcasting_without_keepdims_names_the_shapes_and_keepdims():
    def normalize_rows(x):
        return x / np.linalg.norm(x, axis=1)
    message = _failure_of(normalize_rows, np.ones((2, 3)))
    assert "(2, 3) and (2,)" in message and "keepdims=True" in message and "(in normalize_rows)" in message


def test_math_exp_on_an_array_says_use_numpy():
    import math

    def sigmoid(x):
        return 1 / (1 + math.exp(-x))
    message = _failure_of(sigmoid, np.array([1.0, 2.0]))
    assert "np.exp" in message and "math" in message


def test_caret_is_not_a_power():
    message = _failure_of(lambda y: float(np.sum(y ^ 2)), np.array([0.5, 1.5]))
    assert "x ** 2" in message and "exclusive or" in message


def test_key_typo_gets_a_did_you_mean():
    def read(grads):
        return grads["dw"]
    message = _failure_of(read, {"dw1": 1.0, "db": 2.0})
    assert "'dw'" in message and "did you mean 'dw1'" in message


def test_a_key_typo_raised_in_the_kernel_gets_the_same_did_you_mean_from_the_judge():
    """The kernel's side (dlcourse.bridge) sends the keys of the dicts near a KeyError; the judge uses them."""
    from dlcourse import bridge
    from dlcourse.grading.judge import StudentError

    notebook = {}
    exec("def update_parameters(parameters, grads):\n    return parameters['W1'] - grads['dw1']\n", notebook)
    reply = bridge._call(notebook, {"name": "update_parameters", "kwargs": {},
                                    "args": [{"W1": 1.0, "b1": 0.0}, {"dW1": 0.5, "db1": 0.1}]}, bridge.Line(None), [])
    local = _failure_of(notebook["update_parameters"], {"W1": 1.0, "b1": 0.0}, {"dW1": 0.5, "db1": 0.1})

    def judged():  # what the judge's proxy raises: none of the notebook's dicts is in this process
        raise StudentError(reply["raised"])
    message = _failure_of(judged)
    assert "did you mean 'dW1'" in local and "did you mean 'dW1'" in message, message


def test_expect_keys_names_a_typo():
    with pytest.raises(checks.CheckFailure, match="did you mean 'dw'"):
        checks.expect_keys({"dw1": 1, "db": 2}, ["dw", "db"], "grads")


def test_matrix_shape_mismatch_names_the_transpose_that_fits():
    message = _failure_of(lambda w, X: np.dot(w, X), np.ones((2, 1)), np.ones((2, 3)))
    assert "(2, 1) and (2, 3)" in message and "A.T @ B" in message
    message = _failure_of(lambda W, dZ: W @ dZ, np.ones((1, 4)), np.ones((1, 5)))
    assert "missing or extra .T" in message


def test_unanswered_function_is_named():
    def sigmoid(x):
        raise NotImplementedError()
    message = _failure_of(lambda: sigmoid(1.0))
    assert message.startswith("sigmoid is not answered yet") and "raise NotImplementedError()" in message


def test_student_error_of_the_judge_gets_the_same_message():
    """In the judge the student's exception arrives as text (ename, evalue, traceback): same translation."""
    class StudentError(Exception):  # the shape of dlcourse.grading.judge.StudentError
        def __init__(self, ename, evalue, traceback):
            self.ename, self.evalue, self.student_traceback = ename, evalue, traceback
            super().__init__(f"{ename}: {evalue}")

    def normalize_rows(x):
        return x / np.linalg.norm(x, axis=1)
    local = _failure_of(normalize_rows, np.ones((2, 3)))
    raised = StudentError("ValueError", "operands could not be broadcast together with shapes (2,3) (2,) ",
                          'Traceback (most recent call last):\n'
                          '  File "/tmp/ipykernel_7/1.py", line 2, in normalize_rows\n'
                          "    return x / np.linalg.norm(x, axis=1)\nValueError: operands could not be broadcast\n")
    assert checks.explain_error(raised, "the function") == local
    unanswered = StudentError("NotImplementedError", "", '  File "/tmp/ipykernel_7/2.py", line 2, in sigmoid\n')
    assert checks.explain_error(unanswered, "propagate").startswith("sigmoid is not answered yet")


def test_the_message_comes_first_then_the_students_own_frames():
    def normalize_rows(x):
        return x / np.linalg.norm(x, axis=1)
    with pytest.raises(checks.CheckFailure) as failure:
        with checks.testing("normalize_rows"):
            checks.call_unchanged(normalize_rows, np.ones((2, 3)))
    shown = failure.value._render_traceback_()
    assert shown[0].startswith("CheckFailure: normalize_rows: your code raised ValueError"), shown
    text = "\n".join(shown)
    assert "Hint:" in text and "return x / np.linalg.norm(x, axis=1)" in text and "in normalize_rows" in text
    assert checks.__file__ not in text  # none of the checks' own frames
    message = shown[:shown.index("Where your code raised it:")]
    assert all(len(line) <= 82 for line in message)  # Validate cuts longer lines short: the hint is wrapped
    assert " ".join(" ".join(message).split()) == " ".join(f"CheckFailure: {failure.value}".split())
    with pytest.raises(checks.CheckFailure) as failure:  # a wrong value: the message alone
        checks.expect_close(1.0, 2.0, "x")
    shown = failure.value._render_traceback_()
    assert shown[0] == "CheckFailure: x is wrong." and "Where your code raised it:" not in shown
    assert " ".join(" ".join(shown).split()) == " ".join(f"CheckFailure: {failure.value}".split())


def test_the_judges_student_error_shows_the_frames_the_kernel_sent():
    class StudentError(Exception):  # the shape of dlcourse.grading.judge.StudentError
        ename, evalue = "KeyError", "'dw1'"
        student_traceback = '  File "/tmp/ipykernel_7/3.py", line 2, in update\n    grads["dw1"]\nKeyError: \'dw1\'\n'
    with pytest.raises(checks.CheckFailure) as failure:
        with checks.testing("update"):
            raise StudentError()
    shown = failure.value._render_traceback_()
    assert shown[0].startswith("CheckFailure: update: your code raised KeyError") and shown[-2:] == [
        '    grads["dw1"]', "KeyError: 'dw1'"]


def test_a_failed_check_passes_through_testing_unchanged():
    with pytest.raises(checks.CheckFailure, match="^x is wrong"):
        with checks.testing("x"):
            checks.expect_close(1.0, 2.0, "x")


def test_scalar_where_a_column_is_asked_says_keep_the_axis():
    with pytest.raises(checks.CheckFailure, match="keepdims=True"):
        checks.expect_close(-0.12, [[-0.12]], "db2")


def test_nan_hint_does_not_blame_log_alone():
    with pytest.raises(checks.CheckFailure) as failure:
        checks.expect_close(np.array([np.nan, 1.0]), [1.0, 1.0], "L1")
    assert "NaN" in str(failure.value) and "look for log(0)" not in str(failure.value)


# --- elementwise stand-ins accept every arrangement of the known points ---

def test_elementwise_accepts_any_arrangement_and_returns_the_same_shape():
    sigmoid = checks.elementwise("sigmoid", [-3, -0.75, 2.75], [0.0474, 0.3208, 0.9399])
    row = sigmoid(np.array([[-3, -0.75, 2.75]]))
    np.testing.assert_allclose(row, [[0.0474, 0.3208, 0.9399]])
    np.testing.assert_allclose(sigmoid(np.array([[-3], [-0.75], [2.75]])), row.T)
    np.testing.assert_allclose(sigmoid(np.array([[2.75, 2.75], [-3, -0.75]])), [[0.9399, 0.9399], [0.0474, 0.3208]])
    assert sigmoid(2.75) == pytest.approx(0.9399)


def test_elementwise_mirror_and_unknown_points():
    sigmoid = checks.elementwise("sigmoid", [1.0, 2.0], [0.7311, 0.8808], mirror=lambda y: 1 - y)
    np.testing.assert_allclose(sigmoid(np.array([-1.0, 2.0])), [1 - 0.7311, 0.8808])
    with pytest.raises(checks.CheckFailure, match="values you pass to sigmoid are wrong"):
        sigmoid(np.array([1.0, 3.0]))
