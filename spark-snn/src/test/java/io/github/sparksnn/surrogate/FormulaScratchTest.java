package io.github.sparksnn.surrogate;
import org.junit.jupiter.api.Test;
import java.util.*;
class FormulaScratchTest {
    @Test void show() {
        Formula f = (Formula) Surrogates.parse("Formula(primitive='0.5 + atan(pi/2*alpha*x)/pi', alpha=2.0)");
        System.out.println(f + "\n" + f.gradientText());
        Expr p = ExprParser.parse("0.5 + atan(pi/2*alpha*x)/pi");
        System.out.println(FormulaCompiler.source(p, Expr.derivative(p), List.of("alpha")));
        ATan a = new ATan(2.0);
        for (double x = -2; x < 2; x += 0.37) System.out.println(x + " " + f.gradient(x) + " " + a.gradient(x) + " " + f.gradient((float) x) + " " + a.gradient((float) x)+ " " + f.primitive(x) + " " + a.primitive(x));
        System.out.println(Arrays.toString(f.kinks()));
        System.out.println(f.cudaCode("x", "y", CudaDtype.FLOAT));
        System.out.println(f.cudaCode("x", "y", CudaDtype.HALF2));
        Formula r = (Formula) Surrogates.parse("Formula(primitive='min(max(alpha*x + 0.5, 0), 1)', alpha=1.0)");
        System.out.println(r + " " + r.gradientText() + " " + Arrays.toString(r.kinks()));
    }
}
