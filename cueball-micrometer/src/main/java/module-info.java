/**
 * {@link io.cueball.micrometer.CueballPoolMetrics}: a Micrometer {@code MeterBinder} for a cueball pool. Micrometer
 * names itself in its manifest only ({@code micrometer.core}), so this module requires it as an automatic module;
 * it is transitive because {@code MeterBinder} and {@code Tag} are in this module's API.
 */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module io.cueball.micrometer {
    requires transitive io.cueball;
    requires transitive micrometer.core;

    exports io.cueball.micrometer;
}
