/**
 * Surrogate spiking functions: every function of SpikingJelly's {@code activation_based.surrogate}, in Java.
 *
 * <p>In spiking mode (the default) the forward pass is the Heaviside step {@code H(x) = 1 if x >= 0 else 0}
 * ({@code H(0) = 1}, {@code H(NaN) = 0}) and the backward pass multiplies the incoming gradient by {@code g'(x)};
 * with spiking mode off the forward pass is the primitive {@code g(x)}. The functions, with upstream's names,
 * parameters and defaults (the contract is {@code SURROGATES.md}; each class's javadoc has g and g'):
 * {@link io.github.sparksnn.surrogate.PiecewiseQuadratic}, {@link io.github.sparksnn.surrogate.PiecewiseExp},
 * {@link io.github.sparksnn.surrogate.Sigmoid}, {@link io.github.sparksnn.surrogate.SoftSign},
 * {@link io.github.sparksnn.surrogate.SuperSpike}, {@link io.github.sparksnn.surrogate.ATan},
 * {@link io.github.sparksnn.surrogate.NonzeroSignLogAbs}, {@link io.github.sparksnn.surrogate.Erf},
 * {@link io.github.sparksnn.surrogate.PiecewiseLeakyReLU}, {@link io.github.sparksnn.surrogate.SquarewaveFourierSeries},
 * {@link io.github.sparksnn.surrogate.S2NN}, {@link io.github.sparksnn.surrogate.QPseudoSpike},
 * {@link io.github.sparksnn.surrogate.LeakyKReLU}, {@link io.github.sparksnn.surrogate.FakeNumericalGradient},
 * {@link io.github.sparksnn.surrogate.LogTailedReLU}, {@link io.github.sparksnn.surrogate.DeterministicPass},
 * {@link io.github.sparksnn.surrogate.Rect}; plus {@link io.github.sparksnn.surrogate.SurrogateFunction#heaviside}
 * and {@link io.github.sparksnn.surrogate.PoissonPass} ({@code poisson_pass}).
 *
 * <p>What a user must know:
 * <ul>
 *   <li>Parameters are validated in the constructors (finite everywhere; {@code > 0} for scales and widths,
 *       {@code QPseudoSpike alpha > 1}, {@code SquarewaveFourierSeries n} an integer {@code >= 1}; shift and slope
 *       parameters {@code c}, {@code beta}, {@code leak}, {@code k}, LogTailedReLU's and DeterministicPass's
 *       {@code alpha} may be any finite number); values whose float constants overflow or underflow float are
 *       rejected too. Errors are {@link java.lang.IllegalArgumentException}s naming function, parameter and range.</li>
 *   <li>Every class has a no-argument constructor (defaults) and one taking all parameters as {@code double}s in
 *       {@link io.github.sparksnn.surrogate.SurrogateFunction#parameters()} order plus {@code boolean spiking}.</li>
 *   <li>SuperSpike and FakeNumericalGradient have no primitive upstream; the derived ones are
 *       {@code g = 1/2 + alpha x / (1 + |x|)} and {@code g = alpha x} for {@code |x| <= 1/alpha},
 *       {@code sgn(x) (1 + ln(alpha |x|))} beyond. NonzeroSignLogAbs, LeakyKReLU, LogTailedReLU, DeterministicPass,
 *       FakeNumericalGradient (and SuperSpike for {@code alpha != 1/2}) have primitives outside (0, 1).</li>
 *   <li>The double methods are the reference; the float scalar and bulk methods are what training uses and agree
 *       with the double ones to about 1e-6 relative. Bulk and scalar float results are bit-identical. Nine built-ins
 *       ({@link io.github.sparksnn.surrogate.BuiltinFormulas#FORMULA_DEFINED}) take their float paths from the kernel
 *       their formula compiles to, where {@code snn bench surrogate} measured it as fast as the hand-written loops;
 *       the other eight keep hand-written float paths (Vector API exp/cos, pow-free or vectorizable forms), each
 *       naming that measurement in its class comment.</li>
 *   <li>At a piece boundary ({@link io.github.sparksnn.surrogate.SurrogateFunction#kinks()}) either side's value is
 *       the contract. A NaN input gives a NaN gradient (float and double; the piecewise gradients of Rect, LeakyKReLU,
 *       PiecewiseLeakyReLU and LogTailedReLU use a min/max unit step that C2 vectorizes and that propagates NaN,
 *       where upstream's comparisons give a piece), except DeterministicPass (always 1) and S2NN; the spike
 *       {@code H(NaN)} is 0.</li>
 *   <li>The spiking mode is the only mutable state; {@code copy()} before sharing a function you will switch.</li>
 *   <li>{@link io.github.sparksnn.surrogate.Formula} is a user surrogate written as text
 *       ({@code Formula(primitive='0.5 + atan(pi/2*alpha*x)/pi', alpha=2.0)}): gradient derived symbolically or
 *       given and checked, compiled at run time with Janino ({@link io.github.sparksnn.surrogate.FormulaCompiler},
 *       cached per text) into the built-ins' loop shapes, CUDA generated from the same tree; its Javadoc lists the
 *       17 built-ins as formulas. A formula may come from a SQL column: its size is bounded (10,000 characters,
 *       200 levels, a derivative of 5,000 nodes) and its recursive processing runs on a thread with a large stack,
 *       so no formula can overflow a Spark executor's stack.</li>
 *   <li>{@link io.github.sparksnn.surrogate.Surrogates} parses and creates functions by name,
 *       {@link io.github.sparksnn.surrogate.GradientChecker} checks g' against g like upstream's
 *       {@code check_manual_grad}, and {@code cudaCode} emits float and half2 CUDA for every function.</li>
 * </ul>
 */
package io.github.sparksnn.surrogate;
