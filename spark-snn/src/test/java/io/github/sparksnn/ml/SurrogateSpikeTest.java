package io.github.sparksnn.ml;

import static io.github.sparksnn.ml.PoissonEncoderTest.causes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import io.github.sparksnn.surrogate.SurrogateFunction;
import io.github.sparksnn.surrogate.Surrogates;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SurrogateSpikeTest {
    static SparkSession spark;
    static final double[] XS = {-3.0, -0.5, -1e-3, 0.0, 1e-3, 0.25, 2.0, Double.POSITIVE_INFINITY};

    static final StructType SCHEMA = new StructType()
            .add("id", DataTypes.LongType)
            .add("x", DataTypes.DoubleType)
            .add("f", DataTypes.FloatType)
            .add("v", SQLDataTypes.VectorType())
            .add("ad", DataTypes.createArrayType(DataTypes.DoubleType, true))
            .add("af", DataTypes.createArrayType(DataTypes.FloatType, false));

    @BeforeAll
    static void start() {
        spark = SparkTestSupport.local(2);
    }

    @AfterAll
    static void stop() {
        SparkTestSupport.stop(spark);
    }

    static Dataset<Row> data() {
        Row[] rows = new Row[XS.length];
        for (int i = 0; i < XS.length; i++) {
            double x = XS[i];
            rows[i] = RowFactory.create((long) i, x, (float) x, Vectors.sparse(3, new int[] {1}, new double[] {x}),
                    List.of(x, -x), List.of((float) x, (float) (2 * x)));
        }
        return spark.createDataFrame(Arrays.asList(rows), SCHEMA).repartition(2);
    }

    static double expect(SurrogateFunction g, String mode, double x) {
        return switch (mode) {
            case "spike" -> x >= 0 ? 1.0 : 0.0;
            case "primitive" -> g.primitive(x);
            default -> g.gradient(x);
        };
    }

    @Test
    void everyColumnKindAndModeEqualsTheJavaFunction() {
        for (String spec : List.of("ATan(alpha=2.0)", "Sigmoid(alpha=3)", "PiecewiseQuadratic")) {
            SurrogateFunction g = Surrogates.parse(spec);
            for (String mode : List.of("spike", "primitive", "gradient")) {
                Dataset<Row> df = data();
                for (String c : List.of("x", "f", "v", "ad", "af")) {
                    df = new SurrogateSpike().setInputCol(c).setOutputCol(c + "_o").setSurrogate(spec)
                            .setMode(mode).transform(df);
                }
                for (Row r : df.orderBy("id").collectAsList()) {
                    double x = r.getDouble(1);
                    String at = spec + " " + mode + " x=" + x;
                    assertEquals(expect(g, mode, x), r.getDouble(r.fieldIndex("x_o")), 0.0, at);
                    float fx = (float) x;
                    float fe = switch (mode) {
                        case "spike" -> fx >= 0 ? 1f : 0f;
                        case "primitive" -> g.primitive(fx);
                        default -> g.gradient(fx);
                    };
                    assertEquals(fe, r.getFloat(r.fieldIndex("f_o")), 0f, at);
                    Vector v = (Vector) r.get(r.fieldIndex("v_o"));
                    assertArrayEquals(new double[] {expect(g, mode, 0), expect(g, mode, x), expect(g, mode, 0)},
                            v.toArray(), 0.0, at);
                    assertEquals(List.of(expect(g, mode, x), expect(g, mode, -x)), r.getList(r.fieldIndex("ad_o")), at);
                    List<Object> af = r.getList(r.fieldIndex("af_o"));
                    assertEquals(2, af.size());
                    assertEquals(fe, (Float) af.get(0), 0f, at);
                }
            }
        }
    }

    @Test
    void atanGradientMatchesItsClosedForm() {
        Dataset<Row> out = new SurrogateSpike().setInputCol("x").setOutputCol("g").setMode("gradient")
                .setSurrogate("ATan(alpha=2.0)").transform(data());
        for (Row r : out.collectAsList()) {
            double x = r.getDouble(1);
            double closed = 2.0 / 2 / (1 + Math.pow(Math.PI / 2 * 2.0 * x, 2));
            assertEquals(closed, r.getDouble(r.fieldIndex("g")), 1e-15, "x=" + x);
        }
    }

    @Test
    void schemaAndParamErrorsAreRaisedBeforeAnyJob() {
        StructType schema = SCHEMA.add("s", DataTypes.StringType).add("i", DataTypes.IntegerType);
        IllegalArgumentException unset = assertThrows(IllegalArgumentException.class,
                () -> new SurrogateSpike().transformSchema(schema));
        assertTrue(unset.getMessage().contains("inputCol is not set"), unset.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> new SurrogateSpike().setInputCol("nope").transformSchema(schema));
        assertTrue(missing.getMessage().contains("'nope'") && missing.getMessage().contains("does not exist"),
                missing.getMessage());
        for (String c : List.of("s", "i")) {
            IllegalArgumentException type = assertThrows(IllegalArgumentException.class,
                    () -> new SurrogateSpike().setInputCol(c).transformSchema(schema));
            assertTrue(type.getMessage().contains("'" + c + "' has type"), type.getMessage());
        }
        IllegalArgumentException exists = assertThrows(IllegalArgumentException.class,
                () -> new SurrogateSpike().setInputCol("x").setOutputCol("f").transformSchema(schema));
        assertTrue(exists.getMessage().contains("'f'") && exists.getMessage().contains("already exists"));
        // a bad spec fails when set, with the parser's message (not Spark's generic one)
        IllegalArgumentException spec = assertThrows(IllegalArgumentException.class,
                () -> new SurrogateSpike().setSurrogate("Atan(beta=1)"));
        assertTrue(spec.getMessage().toLowerCase().contains("beta"), spec.getMessage());
        IllegalArgumentException name = assertThrows(IllegalArgumentException.class,
                () -> new SurrogateSpike().setSurrogate("NoSuchFunction"));
        assertTrue(name.getMessage().contains("NoSuchFunction"), name.getMessage());
        // ... and through a ParamMap too
        SurrogateSpike s = new SurrogateSpike().setInputCol("x");
        assertThrows(IllegalArgumentException.class, () -> s.copy(new ParamMap().put(s.surrogate(), "ATan(alpha=")));
        IllegalArgumentException mode = assertThrows(IllegalArgumentException.class,
                () -> new SurrogateSpike().setMode("backward"));
        assertTrue(mode.getMessage().contains("backward"));
        assertEquals(DataTypes.FloatType,
                new SurrogateSpike().setInputCol("f").setOutputCol("o").transformSchema(schema).apply("o").dataType());
    }

    @Test
    void nullsStayNullAndNanFailsNamingTheColumn() {
        StructType schema = new StructType().add("x", DataTypes.DoubleType)
                .add("a", DataTypes.createArrayType(DataTypes.DoubleType, true));
        Dataset<Row> nulls = spark.createDataFrame(List.of(RowFactory.create(null, Arrays.asList(1.0, null))), schema);
        Row r = new SurrogateSpike().setInputCol("a").setOutputCol("ao").transform(
                new SurrogateSpike().setInputCol("x").setOutputCol("xo").transform(nulls)).first();
        assertNull(r.get(r.fieldIndex("xo")));
        assertEquals(Arrays.asList(1.0, null), r.getList(r.fieldIndex("ao")));
        Dataset<Row> nan = spark.createDataFrame(List.of(RowFactory.create(Double.NaN, null)), schema);
        Exception e = assertThrows(Exception.class,
                () -> new SurrogateSpike().setInputCol("x").transform(nan).collectAsList());
        assertTrue(causes(e).contains("input column 'x' holds NaN"), causes(e));
    }

    @Test
    void saveLoadAloneAndInsideAPipelineWithVectorAssembler() throws Exception {
        SurrogateSpike s = new SurrogateSpike().setInputCol("ad").setOutputCol("o").setSurrogate("Sigmoid(alpha=3)")
                .setMode("gradient");
        Path dir = SparkTestSupport.tempDir("surrogate-spike");
        s.write().overwrite().save(dir.toString());
        SurrogateSpike back = SurrogateSpike.load(dir.toString());
        assertEquals(s.uid(), back.uid());
        assertEquals("Sigmoid(alpha=3)", back.getSurrogate());
        assertEquals("gradient", back.getMode());
        assertEquals(s.transform(data()).orderBy("id").collectAsList(), back.transform(data()).orderBy("id").collectAsList());
        // Loading a directory that holds another stage names both classes.
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
                () -> PoissonEncoder.load(dir.toString()));
        assertTrue(wrong.getMessage().contains("SurrogateSpike") && wrong.getMessage().contains("PoissonEncoder"));

        // VectorAssembler -> primitive of ATan (a probability in (0, 1)) -> Poisson spike trains.
        Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {
            new VectorAssembler().setInputCols(new String[] {"x", "f"}).setOutputCol("xv"),
            new SurrogateSpike().setInputCol("xv").setOutputCol("p").setMode("primitive").setSurrogate("ATan"),
            new PoissonEncoder().setInputCol("p").setOutputCol("spikes").setTimeSteps(3).setSeed(11L).setKeyCol("id")
        });
        Dataset<Row> df = data().where("x < 1e300"); // VectorAssembler keeps inf; all finite here anyway
        PipelineModel model = pipeline.fit(df);
        Path pdir = SparkTestSupport.tempDir("pipeline");
        model.write().overwrite().save(pdir.toString());
        PipelineModel loaded = PipelineModel.load(pdir.toString());
        assertInstanceOf(SurrogateSpike.class, loaded.stages()[1]);
        assertInstanceOf(PoissonEncoder.class, loaded.stages()[2]);
        List<Row> a = model.transform(df).orderBy("id").select("id", "p", "spikes").collectAsList();
        List<Row> b = loaded.transform(df).orderBy("id").select("id", "p", "spikes").collectAsList();
        assertEquals(a, b);
        assertEquals(6, ((Vector) a.get(0).get(2)).size());
        SurrogateFunction atan = Surrogates.parse("ATan");
        assertEquals(atan.primitive(XS[1]), ((Vector) a.get(1).get(1)).apply(0), 0.0);
    }
}
